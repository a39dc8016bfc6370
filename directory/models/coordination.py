"""What coordinators keep across agencies: likely duplicate offers, found by a
background task (``directory.duplicates``), and the pairs they dismissed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

_PAIR_ORDERED = models.Q(first__lt=models.F("second"))


class DuplicateScan(models.Model):
    """One run of the duplicate detection; the report reads the newest finished one."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    offers = models.PositiveIntegerField(_("offers compared"), default=0)
    pairs = models.PositiveIntegerField(_("likely duplicates"), default=0)

    class Meta:
        verbose_name = _("duplicate scan")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class DuplicateCandidate(models.Model):
    """Two offers of different agencies that look alike; ``first`` has the lower id."""

    first = models.ForeignKey(
        "directory.OfferPage",
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    second = models.ForeignKey(
        "directory.OfferPage",
        verbose_name=_("similar offer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("similarity"))
    # What made them alike: per-field similarities, the shared topics and districts.
    reasons = models.JSONField(_("reasons"), default=dict, blank=True)
    scan = models.ForeignKey(
        DuplicateScan,
        verbose_name=_("found by"),
        on_delete=models.CASCADE,
        related_name="candidates",
    )

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "first", "second"],
                name="duplicate_candidate_unique",
                violation_error_message=_("This pair is listed already."),
            ),
            models.CheckConstraint(
                condition=_PAIR_ORDERED,
                name="duplicate_candidate_ordered",
                violation_error_message=_("A pair names the lower id first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"


class DuplicateDismissal(models.Model):
    """A pair a coordinator marked "not a duplicate": never suggested again."""

    first = models.ForeignKey(
        "directory.OfferPage",
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    second = models.ForeignKey(
        "directory.OfferPage",
        verbose_name=_("similar offer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("not a duplicate")
        verbose_name_plural = _("not duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"],
                name="duplicate_dismissal_unique",
                violation_error_message=_("This pair is marked already."),
            ),
            models.CheckConstraint(
                condition=_PAIR_ORDERED,
                name="duplicate_dismissal_ordered",
                violation_error_message=_("A pair names the lower id first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
