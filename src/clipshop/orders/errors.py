from clipshop.core.errors import Conflict


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Invalid order transition"


class NotCancellable(Conflict):
    code = "order_not_cancellable"
