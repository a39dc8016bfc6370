"""New pages appended under their parent by computing their tree path ourselves.

Why not ``parent.add_child(instance=page)``: for every page it reads the parent's
last child back as a full ``Page`` (with every translated column; ~1 ms) and saves
through ``Page.save()``, whose ``full_clean`` checks every field in every language
and costs more than the insert itself. An import of 10,000 services creates some
20,000 pages, so that is minutes. Here each parent's last child path is read once
per batch and the next one is counted on from it.

This relies on the path format of django-treebeard's materialized path trees,
described in its documentation: a page's path is its parent's path followed by
one step of ``steplen`` characters, its position among its siblings (from 1)
written in the digits ``alphabet``, padded with the first of them. Those two class
attributes are public (documented as settable); the arithmetic on them lives only
here. ``tests/hsds/test_tree.py`` compares it with what ``add_child`` produces, so a
treebeard release that changes the format fails that test, not an import.
"""

from django.db.models import F
from wagtail.models import Page


class TreeFull(Exception):
    """A parent has as many children as its path steps can count."""


def _step(position: int) -> str:
    alphabet, width = Page.alphabet, Page.steplen
    digits = ""
    while position:
        position, digit = divmod(position, len(alphabet))
        digits = alphabet[digit] + digits
    if len(digits) > width:
        raise TreeFull(f"more than {len(alphabet) ** width - 1} pages under one parent")
    return digits.rjust(width, alphabet[0])


def _position(step: str) -> int:
    position = 0
    for digit in step:
        position = position * len(Page.alphabet) + Page.alphabet.index(digit)
    return position


def child_path(parent_path: str, position: int) -> str:
    """The path of the ``position``-th child (from 1) of the page at ``parent_path``."""
    return parent_path + _step(position)


def path_after(path: str) -> str:
    """The path of the next sibling of the page at ``path``."""
    width = Page.steplen
    return path[:-width] + _step(_position(path[-width:]) + 1)


class ChildAppender:
    """Places new pages as the last children of their parents.

    Remembers the last child path per parent until ``forget()``: call that when
    other writers may have added pages (after each committed batch).
    """

    def __init__(self) -> None:
        self._last: dict[int, str | None] = {}

    def forget(self) -> None:
        self._last = {}

    def place(self, parent: Page, page: Page) -> None:
        """Set ``page``'s depth and path as ``parent``'s new last child and count
        it in the parent's ``numchild``; the caller saves the page right after.

        Raises ``TreeFull``.
        """
        if parent.pk in self._last:
            last = self._last[parent.pk]
        else:
            # Not parent.get_children(): it answers from the parent's numchild in
            # memory, which is stale for a parent this run created.
            last = (
                Page.objects.child_of(parent)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
        page.depth = parent.depth + 1
        page.path = child_path(parent.path, 1) if last is None else path_after(last)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        parent.numchild += 1  # as add_child does, so the parent in memory agrees
        page._cached_parent_obj = parent
        self._last[parent.pk] = page.path
