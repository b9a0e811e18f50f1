"""The order aggregate: statuses as a table, one transition function, the event timeline."""
