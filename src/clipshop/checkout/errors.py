from clipshop.core.errors import PermissionDenied


class Underage(PermissionDenied):
    code = "buyer_under_18"
    title = "Buyer under 18"


class BuyersOnly(PermissionDenied):
    code = "buyers_only"
