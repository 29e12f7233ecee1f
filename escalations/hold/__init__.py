"""Live escalations with the customer on hold, and callback promises (issue 8).

Both run on the SLA engine: a held hop gets a ``hold_acknowledge`` timer, a callback a
``callback`` timer; the one sweep fires their warnings and breaches."""
