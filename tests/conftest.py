"""Suite-wide set-up: every test runs against the settings' real servers."""
