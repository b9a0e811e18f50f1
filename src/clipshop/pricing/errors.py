"""Errors of pricing: what makes a checkout unquotable."""

from clipshop.core.errors import Conflict, InvalidInput, NotFound


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


class UnknownSource(NotFound):
    code = "source_not_found"
