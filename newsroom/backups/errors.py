class BackupError(Exception):
    """Something an operator can fix; the message says what."""
