#include "emulator/core/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kmslab::core {
namespace {

std::runtime_error file_error(std::string_view what, const std::filesystem::path& path, int err) {
  return std::runtime_error(std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor and unlinks the temporary file unless committed.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& target) : path_(target.string() + ".tmpXXXXXX") {
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) throw file_error("cannot create a file next to", target, errno);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  void commit(const std::filesystem::path& target) {
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) throw file_error("cannot write", target, errno);
    if (::rename(path_.c_str(), target.c_str()) != 0)
      throw file_error("cannot write", target, errno);
    committed_ = true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

void write_all(int fd, std::string_view data, const std::filesystem::path& target) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw file_error("cannot write", target, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void ensure_directory(const std::filesystem::path& dir, mode_t mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  if (dir.has_parent_path()) ensure_directory(dir.parent_path(), mode);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    throw file_error("cannot create directory", dir, errno);
  }
  if (!std::filesystem::is_directory(dir, ec)) throw file_error("not a directory:", dir, ENOTDIR);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error("cannot read", path, errno);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw file_error("cannot read", path, errno);
  return out.str();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents, mode_t mode) {
  TempFile tmp(path);
  // mkstemp creates 0600; set the final mode explicitly so umask does not decide it.
  if (::fchmod(tmp.fd(), mode) != 0) throw file_error("cannot set mode of", path, errno);
  write_all(tmp.fd(), contents, path);
  if (::fsync(tmp.fd()) != 0) throw file_error("cannot sync", path, errno);
  tmp.commit(path);
}

}  // namespace kmslab::core
