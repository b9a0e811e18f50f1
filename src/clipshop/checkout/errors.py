from clipshop.core.errors import Conflict, InvalidInput, PermissionDenied


class NotSellable(Conflict):
    code = "sku_not_sellable"


class MixedCurrencies(InvalidInput):
    code = "mixed_currencies"


class EmptyCheckout(InvalidInput):
    code = "empty_checkout"


class UnknownVoucher(InvalidInput):
    code = "invalid_voucher"


class UnknownShippingService(InvalidInput):
    code = "invalid_shipping_service"


class Underage(PermissionDenied):
    code = "buyer_under_18"
    title = "Buyer under 18"


class BuyersOnly(PermissionDenied):
    code = "buyers_only"
