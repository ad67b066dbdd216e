"""Categories (two levels, ordered) and product groups (shelves such as 新品 / 热销, ordered by hand)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from .models import Category, Group, Product, ProductGroupLink
from .schemas import CategoryInSchema, GroupInSchema

MAX_CATEGORIES = 500
MAX_GROUPS = 100


def _tidy(name: str) -> str:
    return " ".join(name.split())


def _reorder(rows: list, row, index: int) -> None:
    """Move ``row`` to ``index`` among ``rows`` and renumber them 0..n-1."""
    rows = [r for r in rows if r.id != row.id]
    rows.insert(max(0, min(index, len(rows))), row)
    for position, item in enumerate(rows):
        item.position = position


def _move(rows: list, row, direction: str) -> None:
    index = [r.id for r in rows].index(row.id)
    _reorder(rows, row, index - 1 if direction == "up" else index + 1)


# --- categories ------------------------------------------------------------------------------


def categories() -> list[Category]:
    return list(db.session.execute(
        select(Category).order_by(Category.position, Category.created_at)
    ).scalars())


def tree() -> list[tuple[Category, list[Category]]]:
    """Top-level categories in order, each with its subcategories in order."""
    rows = categories()
    children: dict = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    return [(row, children.get(row.id, [])) for row in rows if row.parent_id is None]


def flat_choices() -> list[tuple[Category, int]]:
    """(category, depth) in display order, for select boxes."""
    return [item for top, subs in tree() for item in [(top, 0)] + [(s, 1) for s in subs]]


def get_category(category_id: uuid.UUID) -> Category:
    row = db.session.execute(select(Category).where(Category.id == category_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def find_category(category_id) -> Category | None:
    """The current store's category, or None (another store's id is simply not found)."""
    if category_id is None:
        return None
    return db.session.execute(select(Category).where(Category.id == category_id)).scalar_one_or_none()


def family_ids(category: Category) -> list[uuid.UUID]:
    """The category and its subcategories."""
    children = db.session.execute(select(Category.id).where(Category.parent_id == category.id)).scalars()
    return [category.id, *children]


def siblings(parent_id) -> list[Category]:
    condition = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    return list(db.session.execute(
        select(Category).where(condition).order_by(Category.position, Category.created_at)
    ).scalars())


def _parent(parent_id, moving: Category | None = None) -> uuid.UUID | None:
    if parent_id is None:
        return None
    parent = find_category(parent_id)
    if parent is None:
        raise ValidationFailed(fields={"parent_id": [_l("Choose one of your categories.")]})
    if parent.parent_id is not None:
        raise ValidationFailed(fields={"parent_id": [_l("Categories have two levels: choose a top-level parent.")]})
    if moving is not None and (parent.id == moving.id or _has_children(moving)):
        raise ValidationFailed(fields={"parent_id": [_l("A category with subcategories stays at the top level.")]})
    return parent.id


def _has_children(category: Category) -> bool:
    return db.session.execute(
        select(func.count()).select_from(Category).where(Category.parent_id == category.id)
    ).scalar() > 0


def _unique_name(name: str, parent_id, exclude: Category | None = None) -> None:
    clash = [row for row in siblings(parent_id) if row.name == name and row is not exclude]
    if clash:
        raise ValidationFailed(fields={"name": [_l("A category named %(name)s is already here.", name=name)]},
                               code="name_taken", status=409)


@atomic
def create_category(data: dict) -> Category:
    values = load(CategoryInSchema(), data)
    name, parent_id = _tidy(values["name"]), _parent(values.get("parent_id"))
    if len(categories()) >= MAX_CATEGORIES:
        raise Conflict(_l("A store has at most %(n)s categories.", n=MAX_CATEGORIES))
    _unique_name(name, parent_id)
    row = Category(name=name, parent_id=parent_id, position=len(siblings(parent_id)))
    db.session.add(row)
    return row


@atomic
def update_category(row: Category, data: dict) -> Category:
    values = load(CategoryInSchema(), data, partial=True)
    parent_id = _parent(values["parent_id"], moving=row) if "parent_id" in values else row.parent_id
    name = _tidy(values.get("name", row.name))
    _unique_name(name, parent_id, exclude=row)
    if parent_id != row.parent_id:
        row.parent_id, row.position = parent_id, len(siblings(parent_id))
    row.name = name
    if "position" in values:
        _reorder(siblings(row.parent_id), row, values["position"])
    return row


@atomic
def move_category(row: Category, direction: str) -> None:
    _move(siblings(row.parent_id), row, direction)


@atomic
def delete_category(row: Category) -> None:
    """Delete a category without subcategories; its products become uncategorized."""
    if _has_children(row):
        raise Conflict(_l("Delete or move its subcategories first."))
    db.session.execute(
        update(Product).where(Product.category_id == row.id).values(category_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.delete(row)
    db.session.flush()
    for position, sibling in enumerate(siblings(row.parent_id)):
        sibling.position = position


def category_counts() -> dict[uuid.UUID, int]:
    rows = db.session.execute(
        select(Product.category_id, func.count()).where(Product.deleted_at.is_(None))
        .group_by(Product.category_id)
    )
    return {category_id: n for category_id, n in rows if category_id is not None}


def find_or_create_path(path: str) -> Category | None:
    """``"服装/T恤"`` → the subcategory, created (with its parent) when missing (imports)."""
    parts = [_tidy(p) for p in path.replace("＞", "/").replace(">", "/").split("/") if _tidy(p)]
    if not parts:
        return None
    if len(parts) > 2 or any(len(p) > 30 for p in parts):
        raise ValidationFailed(fields={"category": [_l("A category is one or two names, like Clothing/T-shirts.")]})
    parent = None
    for name in parts:
        parent_id = parent.id if parent else None
        found = [row for row in siblings(parent_id) if row.name == name]
        if found:
            parent = found[0]
            continue
        if len(categories()) >= MAX_CATEGORIES:
            raise Conflict(_l("A store has at most %(n)s categories.", n=MAX_CATEGORIES))
        parent = Category(name=name, parent_id=parent_id, position=len(siblings(parent_id)))
        db.session.add(parent)
        db.session.flush()
    return parent


# --- groups ------------------------------------------------------------------------------------


def groups() -> list[Group]:
    return list(db.session.execute(select(Group).order_by(Group.position, Group.created_at)).scalars())


def get_group(group_id: uuid.UUID) -> Group:
    row = db.session.execute(select(Group).where(Group.id == group_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def _unique_group_name(name: str, exclude: Group | None = None) -> None:
    if any(row.name == name and row is not exclude for row in groups()):
        raise ValidationFailed(fields={"name": [_l("A group named %(name)s already exists.", name=name)]},
                               code="name_taken", status=409)


@atomic
def create_group(data: dict) -> Group:
    values = load(GroupInSchema(), data)
    name = _tidy(values["name"])
    rows = groups()
    if len(rows) >= MAX_GROUPS:
        raise Conflict(_l("A store has at most %(n)s groups.", n=MAX_GROUPS))
    _unique_group_name(name)
    row = Group(name=name, position=len(rows))
    db.session.add(row)
    if "position" in values:
        db.session.flush()
        _reorder(groups(), row, values["position"])
    return row


@atomic
def update_group(row: Group, data: dict) -> Group:
    values = load(GroupInSchema(), data, partial=True)
    if "name" in values:
        name = _tidy(values["name"])
        _unique_group_name(name, exclude=row)
        row.name = name
    if "position" in values:
        _reorder(groups(), row, values["position"])
    return row


@atomic
def move_group(row: Group, direction: str) -> None:
    _move(groups(), row, direction)


@atomic
def delete_group(row: Group) -> None:
    """Delete a group; its products stay, they just leave the shelf."""
    db.session.delete(row)
    db.session.flush()
    for position, item in enumerate(groups()):
        item.position = position


def group_counts() -> dict[uuid.UUID, int]:
    rows = db.session.execute(
        select(ProductGroupLink.group_id, func.count())
        .join(Product, (Product.tenant_id == ProductGroupLink.tenant_id) & (Product.id == ProductGroupLink.product_id))
        .where(Product.deleted_at.is_(None)).group_by(ProductGroupLink.group_id)
    )
    return dict(rows.all())


def find_or_create_groups(names: list[str]) -> list[Group]:
    """Groups by name, created when missing (imports)."""
    existing = {row.name: row for row in groups()}
    result = []
    for name in dict.fromkeys(_tidy(n)[:30] for n in names if _tidy(n)):
        row = existing.get(name)
        if row is None:
            if len(existing) >= MAX_GROUPS:
                raise Conflict(_l("A store has at most %(n)s groups.", n=MAX_GROUPS))
            row = Group(name=name, position=len(existing))
            db.session.add(row)
            existing[name] = row
        result.append(row)
    db.session.flush()
    return result
