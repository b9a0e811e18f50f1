from clipshop.core.errors import Conflict, InvalidInput


class SellerSkuTaken(Conflict):
    code = "seller_sku_taken"


class InvalidPrice(InvalidInput):
    code = "invalid_price"


class NotAShopOwner(InvalidInput):
    code = "owner_must_be_seller"


class AlreadyMember(Conflict):
    code = "already_member"
