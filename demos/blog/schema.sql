-- The blog's tables, in SQL that both SQLite and MySQL/MariaDB accept, so one file serves
-- both backends. Applied on every start: each statement is idempotent.
--
-- No auto-increment keys (their syntax differs between the two): entries are keyed by their
-- slug and authors by their e-mail address, both chosen by the application.

CREATE TABLE IF NOT EXISTS authors (
    email VARCHAR(100) NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created DATETIME NOT NULL
);

CREATE TABLE IF NOT EXISTS entries (
    slug VARCHAR(100) NOT NULL PRIMARY KEY,
    author_email VARCHAR(100) NOT NULL,
    title VARCHAR(512) NOT NULL,
    markdown MEDIUMTEXT NOT NULL,
    html MEDIUMTEXT NOT NULL,
    published DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE INDEX IF NOT EXISTS entries_published ON entries (published);

-- Failed sign-ins per client address and per account, shared by every frontend.
CREATE TABLE IF NOT EXISTS login_failures (
    subject VARCHAR(200) NOT NULL PRIMARY KEY,
    failures INT NOT NULL,
    window_start DATETIME NOT NULL
);
