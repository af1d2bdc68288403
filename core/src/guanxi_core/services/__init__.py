"""Services: the only way to read and write customers and activities, bound to a `Context`."""
