#pragma once
// Small POSIX file helpers for on-disk state (CA, endpoints.json). Errors are runtime_errors naming
// the path.

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace kmslab::core {

// Creates `dir` (and parents) with `mode` if missing; a directory that already exists is left as
// is.
void ensure_directory(const std::filesystem::path& dir, mode_t mode);

// ensure_directory(dir, 0700), and an existing `dir` made 0700 too, its files owner-only (but
// `public_file`, which may stay 0644): the data directory holds the store and the CA key, and
// nobody else may list or enter it.
void ensure_private_directory(const std::filesystem::path& dir, const std::string& public_file);

// Opens `path` for appending, created 0600 whatever the umask (logs can name secrets' ids).
std::FILE* open_private_append(const std::filesystem::path& path);

std::string read_file(const std::filesystem::path& path);

// Writes via a temporary file in the same directory + fsync + rename + fsync of the directory, so
// readers (and a crash) only ever see the old or the complete new content. The file has exactly
// `mode` from creation, which matters for private keys.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents, mode_t mode);

}  // namespace kmslab::core
