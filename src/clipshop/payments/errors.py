from clipshop.core.errors import Conflict


class OverRefund(Conflict):
    code = "refund_exceeds_capture"


class PaymentNotRetryable(Conflict):
    code = "payment_not_retryable"
