"""Who may see and do what: organisations, roles, permissions, territories (pure data)."""
