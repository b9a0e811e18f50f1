from clipshop.core.errors import Conflict, InvalidInput, Unauthenticated


class OrderOnHold(Conflict):
    code = "order_on_hold"
    title = "Order on hold"


class OrderNotShippable(Conflict):
    code = "order_not_shippable"


class LinesNotShippable(Conflict):
    code = "line_items_not_shippable"


class NotCombinable(Conflict):
    code = "orders_not_combinable"


class ProviderNotAllowed(InvalidInput):
    code = "shipping_provider_not_allowed"


class InvalidTrackingNumber(InvalidInput):
    code = "invalid_tracking_number"


class TrackingNumberTaken(Conflict):
    code = "tracking_number_taken"


class TrackingLocked(Conflict):
    code = "tracking_not_editable"


class AlreadyShipped(Conflict):
    code = "already_shipped"


class InvalidSignature(Unauthenticated):
    code = "invalid_signature"
    title = "Invalid signature"
