from clipshop.core.errors import Conflict, InvalidInput, NotFound


class SellerSkuTaken(Conflict):
    code = "seller_sku_taken"


class InvalidPrice(InvalidInput):
    code = "invalid_price"


class NotAShopOwner(Conflict):
    """The named user exists but is not an active seller."""

    code = "owner_must_be_seller"


class OwnerRequired(InvalidInput):
    code = "owner_required"


class UnknownUser(NotFound):
    code = "user_not_found"


class AlreadyMember(Conflict):
    code = "already_member"
