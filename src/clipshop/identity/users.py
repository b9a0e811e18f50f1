"""User accounts: create, list, read, a buyer's e-mail change; and the principal of a user."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core.batch import Query
from clipshop.core.errors import InvalidInput, NotFound, PermissionDenied
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity import rows
from clipshop.identity.errors import BuyerNeedsBirthDate, EmailTaken
from clipshop.identity.passwords import hash_password
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import ShopMember, User


def birth_date(user_id: int) -> Query[date | None]:
    """The user's date of birth (None: not given), for a batch of reads (``core.batch``)."""
    return rows.birth_date(user_id)


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    date_of_birth: date | None = None,
) -> User:
    email = email.strip().lower()
    if role is Role.BUYER and date_of_birth is None:
        raise BuyerNeedsBirthDate("buyers must give a date_of_birth (buyers must be 18+ to buy)")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(f"a user with e-mail {email} already exists")
    user = User(
        email=email,
        name=name,
        role=role.value,
        date_of_birth=date_of_birth,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    if user_id != principal.user_id:
        principal.require(Permission.USERS_ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def find_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user


def list_users(
    session: Session, principal: Principal, page: PageRequest, role: Role | None = None
) -> Page[User]:
    principal.require(Permission.USERS_ADMIN)
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    return paginate(session, stmt, User.id, page)


_MEMBERSHIPS = select(ShopMember.shop_id, ShopMember.role).where(
    ShopMember.user_id == bindparam("user")
)


def principal_for(session: Session, user: User) -> Principal:
    memberships = session.execute(_MEMBERSHIPS, {"user": user.id}).all()
    return principal_of(user.id, user.role, [(m.shop_id, m.role) for m in memberships])


def principal_of(user_id: int, role: str, memberships: list[tuple[int, str]]) -> Principal:
    """A user's principal from their role and (shop id, membership role) pairs."""
    return Principal(
        user_id=user_id,
        role=Role(role),
        shop_ids=frozenset(shop for shop, _ in memberships),
        owned_shop_ids=frozenset(shop for shop, kind in memberships if kind == "OWNER"),
    )


def create_user_as(
    session: Session,
    principal: Principal,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    date_of_birth: date | None = None,
) -> User:
    """An admin creates an account (the CLI and demo seeding call ``create_user`` directly)."""
    principal.require(Permission.USERS_ADMIN)
    return create_user(
        session, email=email, name=name, role=role, password=password, date_of_birth=date_of_birth
    )


def role_of(session: Session, user_id: int) -> Role | None:
    """The role of an active user, or None if there is no such user."""
    role = session.scalar(select(User.role).where(User.id == user_id, User.is_active))
    return Role(role) if role is not None else None


EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$"
)


def change_email(session: Session, principal: Principal, email: str) -> User:
    """A buyer changes their own contact (and sign-in) e-mail: a well-formed address no
    other account uses (the unique constraint decides a race)."""
    if principal.role is not Role.BUYER:
        raise PermissionDenied("only a buyer changes their e-mail here; staff ask an admin")
    email = email.strip().lower()
    if len(email) > 320 or not EMAIL.match(email):
        raise InvalidInput("not a valid e-mail address", code="invalid_email")
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("user not found")
    if user.email == email:
        return user
    taken = EmailTaken(f"the e-mail {email} is used by another account")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise taken
    try:
        with session.begin_nested():
            user.email = email
            session.flush()
    except IntegrityError:
        raise taken from None
    return user
