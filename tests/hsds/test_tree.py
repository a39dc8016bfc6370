"""The one place that computes tree paths agrees with treebeard's ``add_child``.

If a treebeard or Wagtail release changes how paths are written, these fail (and
``hsds.tree`` must follow) before an import files pages in the wrong place.
"""

import pytest
from wagtail.models import Page

from hsds.tree import ChildAppender, TreeFull, child_path, path_after


def page(name: str) -> Page:
    return Page(title=name, slug=name)


@pytest.fixture
def parent(home):
    return home.add_child(instance=page("parent"))


def test_child_paths_are_those_add_child_gives_past_the_first_digit(parent):
    # 40 siblings: past the 36th, where the last digit of the step wraps.
    for position in range(1, 41):
        child = parent.add_child(instance=page(f"c{position}"))
        assert child.path == child_path(parent.path, position)
        parent.refresh_from_db()


def test_paths_past_1296_children_agree_with_add_child(parent):
    # The 1295th child is made by moving the first one there (1,300 pages would
    # be slow); from it treebeard counts on across the second digit's wrap.
    first = parent.add_child(instance=page("first"))
    Page.objects.filter(pk=first.pk).update(path=child_path(parent.path, 1295))
    parent.refresh_from_db()

    added = parent.add_child(instance=page("next"))

    assert added.path == path_after(child_path(parent.path, 1295))
    assert added.path == child_path(parent.path, 1296)
    assert child_path(parent.path, 1296)[-4:] == "0100"


def test_appended_pages_sit_where_add_child_would_put_them(parent):
    appender = ChildAppender()
    placed = []
    for name in ("a", "b"):
        child = page(name)
        appender.place(parent, child)
        child.save(clean=False)
        placed.append(child)
    parent.refresh_from_db()
    after = parent.add_child(instance=page("c"))
    appender.forget()
    last = page("d")
    appender.place(parent, last)
    last.save(clean=False)

    parent.refresh_from_db()
    assert parent.numchild == 4
    assert [p.slug for p in parent.get_children()] == ["a", "b", "c", "d"]
    assert after.path == path_after(placed[-1].path)
    assert last.get_parent().pk == parent.pk


def test_a_parent_with_every_step_used_is_full():
    steps = len(Page.alphabet) ** Page.steplen
    assert child_path("0001", steps - 1).endswith("ZZZZ")
    with pytest.raises(TreeFull):
        child_path("0001", steps)
