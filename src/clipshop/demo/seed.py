"""Seed the demo world. Idempotent: a second run finds the demo users and issues new tokens."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import inventory, products, shops, warehouses
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.clock import utcnow
from clipshop.core.pagination import PageRequest
from clipshop.demo.commerce import seed_commerce
from clipshop.demo.tiktok import DemoTikTok, seed_tiktok
from clipshop.identity.principal import Principal, Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, principal_for
from clipshop.models import PaymentMethod, Shop, ShopMember, Sku, User

DOMAIN = "demo.clipshop.dev"


@dataclass
class DemoUser:
    key: str
    id: str
    email: str
    role: str
    token: str
    shop_id: str | None = None
    date_of_birth: str | None = None
    payment_method_id: str | None = None  # a buyer's default saved card (4242: it pays)


@dataclass
class DemoShop:
    id: str
    name: str
    region: str
    currency: str
    shop_type: str
    warehouse_ids: list[str]
    skus: dict[str, str] = field(default_factory=dict)  # seller_sku -> sku id


@dataclass
class DemoWorld:
    users: list[DemoUser]
    shops: list[DemoShop]
    tiktok: DemoTikTok | None = None  # the TikTok-compatible API's demo app and auth codes

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _years_ago(years: int) -> date:
    today = utcnow().date()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


USERS: list[tuple[str, Role, str, int | None]] = [
    ("admin", Role.ADMIN, "Ada Admin", None),
    ("agent", Role.AGENT, "Sam Support", None),
    ("supervisor", Role.SUPERVISOR, "Sue Supervisor", None),
    ("seller_local", Role.SELLER, "Lena Local", None),
    ("seller_xb", Role.SELLER, "Wei Crossborder", None),
    ("buyer", Role.BUYER, "Bea Buyer", 30),
    ("buyer_minor", Role.BUYER, "Milo Minor", 16),
    ("creator", Role.CREATOR, "Cleo Creator", None),
]

SHOPS: list[dict[str, Any]] = [
    {
        "owner": "seller_local",
        "name": "Sunny Threads",
        "region": "US",
        "currency": "USD",
        "shop_type": "LOCAL",
        "warehouses": [
            ("Los Angeles DC", "1200 Alameda St", "Los Angeles", "CA", "90021", "US"),
            ("Newark DC", "45 Port St", "Newark", "NJ", "07114", "US"),
        ],
        "products": [
            (
                "Cloud Tee",
                "Soft cotton tee seen in the spring drop live.",
                [
                    (
                        "TEE-S-WHT",
                        "Cloud Tee S white",
                        {"size": "S", "colour": "white"},
                        "19.99",
                        180,
                        40,
                        None,
                    ),
                    (
                        "TEE-M-WHT",
                        "Cloud Tee M white",
                        {"size": "M", "colour": "white"},
                        "19.99",
                        190,
                        60,
                        None,
                    ),
                    (
                        "TEE-L-BLK",
                        "Cloud Tee L black",
                        {"size": "L", "colour": "black"},
                        "21.99",
                        200,
                        3,
                        5,
                    ),
                ],
            ),
            (
                "Ring Light 10in",
                "Clip-on ring light for creators.",
                [
                    ("RING-10", "Ring Light 10in", {}, "34.50", 650, 25, 10),
                ],
            ),
        ],
    },
    {
        "owner": "seller_xb",
        "name": "Harbor Gadgets",
        "region": "US",
        "currency": "USD",
        "shop_type": "CROSS_BORDER",
        "warehouses": [
            ("Shenzhen Hub", "8 Keyuan Rd", "Shenzhen", "Guangdong", "518057", "CN"),
        ],
        "products": [
            (
                "MagSafe Phone Case",
                "Clear case, as seen in the unboxing video.",
                [
                    (
                        "CASE-15-CLR",
                        "Case iPhone 15 clear",
                        {"model": "iPhone 15"},
                        "12.00",
                        60,
                        500,
                        50,
                    ),
                    (
                        "CASE-16-CLR",
                        "Case iPhone 16 clear",
                        {"model": "iPhone 16"},
                        "12.00",
                        60,
                        1,
                        50,
                    ),
                ],
            ),
            (
                "LED Strip 5m",
                "App-controlled LED strip.",
                [
                    ("LED-5M", "LED Strip 5m", {"length": "5m"}, "18.75", 420, 120, None),
                ],
            ),
        ],
    },
]


def _ensure_users(session: Session) -> dict[str, User]:
    found: dict[str, User] = {}
    for key, role, name, age in USERS:
        email = f"{key.replace('_', '.')}@{DOMAIN}"
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                session,
                email=email,
                name=name,
                role=role,
                password="demo-password",
                date_of_birth=_years_ago(age) if age is not None else None,
            )
        found[key] = user
    return found


def _ensure_shops(session: Session, people: dict[str, User]) -> list[DemoShop]:
    admin = principal_for(session, people["admin"])
    result = []
    for spec in SHOPS:
        owner = people[str(spec["owner"])]
        shop = session.scalar(
            select(Shop)
            .join(ShopMember, ShopMember.shop_id == Shop.id)
            .where(ShopMember.user_id == owner.id, Shop.name == spec["name"])
        )
        if shop is None:
            shop = _create_shop(session, admin, owner, spec)
        wh = [
            str(w.id)
            for w in warehouses.list_warehouses(
                session, admin, shop.id, PageRequest(limit=100)
            ).items
        ]
        skus = {
            s.seller_sku: str(s.id)
            for s in session.scalars(select(Sku).where(Sku.shop_id == shop.id).order_by(Sku.id))
        }
        result.append(
            DemoShop(
                str(shop.id),
                shop.name,
                shop.region,
                shop.currency,
                shop.shop_type,
                sorted(wh),
                skus,
            )
        )
    return result


def _create_shop(session: Session, admin: Principal, owner: User, spec: dict[str, Any]) -> Shop:
    shop = shops.create_shop(
        session,
        admin,
        name=str(spec["name"]),
        region=str(spec["region"]),
        currency=str(spec["currency"]),
        shop_type=str(spec["shop_type"]),
        owner_user_id=owner.id,
    )
    warehouse_ids = []
    for name, line1, city, state, postal, country in spec["warehouses"]:
        warehouse = warehouses.create_warehouse(
            session,
            admin,
            shop.id,
            {
                "name": name,
                "address_line1": line1,
                "city": city,
                "state": state,
                "postal_code": postal,
                "country": country,
            },
        )
        warehouse_ids.append(warehouse.id)
    for title, description, sku_specs in spec["products"]:
        body = ProductCreate(
            title=title,
            description=description,
            skus=[
                SkuCreate(
                    seller_sku=code,
                    name=name,
                    attributes=attrs,
                    price=price,
                    weight_grams=weight,
                    low_stock_threshold=threshold,
                    auto_delist=threshold is not None and stock < threshold,
                )
                for code, name, attrs, price, weight, stock, threshold in sku_specs
            ],
        )
        _, skus = products.create_product(session, admin, shop.id, body)
        for sku, (*_, stock, _threshold) in zip(skus, sku_specs, strict=True):
            inventory.set_stock(session, admin, sku.id, warehouse_ids[0], stock, note="demo seed")
    return shop


def _default_method(session: Session, user_id: int) -> str | None:
    found = session.scalar(
        select(PaymentMethod.id).where(
            PaymentMethod.buyer_id == user_id,
            PaymentMethod.is_default.is_(True),
            PaymentMethod.removed_at.is_(None),
        )
    )
    return str(found) if found is not None else None


def seed_demo(session: Session) -> DemoWorld:
    people = _ensure_users(session)
    demo_shops = _ensure_shops(session, people)
    seed_commerce(session, int(demo_shops[0].id), people["buyer"])
    owner_shop = {spec["owner"]: shop.id for spec, shop in zip(SHOPS, demo_shops, strict=True)}
    users = []
    for key, _role, _name, _age in USERS:
        user = people[key]
        issued = issue_token(session, user.id, "demo")
        users.append(
            DemoUser(
                key=key,
                id=str(user.id),
                email=user.email,
                role=user.role,
                token=issued.secret,
                shop_id=owner_shop.get(key),
                date_of_birth=user.date_of_birth.isoformat() if user.date_of_birth else None,
                payment_method_id=_default_method(session, user.id),
            )
        )
    tiktok = seed_tiktok(session, [(int(s.id), s.name) for s in demo_shops])
    return DemoWorld(users, demo_shops, tiktok)
