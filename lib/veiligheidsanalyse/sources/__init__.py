"""Where the data comes from: open-data tables (CBS/politie) and partner inputs."""
