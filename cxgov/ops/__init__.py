"""Operations: backups, organisation export/import and other things run from the command line."""
