"""salesbot: settings, app factory, CLI, domain rules and Block Kit views."""
