"""The platform's rules kernel: deadline policies per region, timers, and the low half of a
shop's standing (what each standing forbids, the review timer), below every context that
arms a deadline or checks a standing."""
