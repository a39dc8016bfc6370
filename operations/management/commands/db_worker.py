"""django-tasks-db's `db_worker`, logging at WARNING by default.

The original logs two INFO lines per task (RUNNING, SUCCESSFUL) at the default
verbosity, which buries what matters when the site seeds or imports hundreds of pages;
`-v 0` would hide failures too. Here: default verbosity shows warnings and failed tasks,
`-v 2` every task as before, `-v 3` debug.
"""

import logging

from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command as WorkerCommand
from django_tasks_db.management.commands.db_worker import logger as worker_logger


class Command(WorkerCommand):
    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        level = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO}.get(
            verbosity, logging.DEBUG
        )
        logging.getLogger(TASKS_LOGGER).setLevel(level)
        worker_logger.setLevel(min(level, logging.INFO))
