"""Limits on what is read from partners, without pandas: the runner's data step checks them before
it hashes a partner folder, the partner-file reader before it reads a file."""

MAX_PARTNER_FILE_BYTES = 20 * 1024 * 1024  # 20 MB per partner file (table or story)
