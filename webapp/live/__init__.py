"""Live updates: the event stream a signed-in page holds, and the doorbells the app's signals ring."""
