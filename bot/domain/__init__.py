"""Pure sales rules: no Slack client, no database session."""
