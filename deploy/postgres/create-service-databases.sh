#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory: one
# database and one owning role per service, each role allowed into its own database only.
# The passwords come from the compose environment (development-only defaults there).
set -eu

create() {
  role="$1" password="$2"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$role" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
SQL
}

create auth "$AUTH_DB_PASSWORD"
create chat "$CHAT_DB_PASSWORD"
create saga "$SAGA_DB_PASSWORD"
create logs "$LOGS_DB_PASSWORD"
