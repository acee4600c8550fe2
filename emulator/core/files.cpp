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

// The rename is durable only once the directory entry is: without this a crash can bring back
// the old file (or none) after write_file_atomic returned.
void sync_directory_of(const std::filesystem::path& target) {
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw file_error("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw file_error("cannot sync directory", dir, err);
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
    sync_directory_of(target);
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

void ensure_private_directory(const std::filesystem::path& dir, const std::string& public_file) {
  ensure_directory(dir, 0700);
  if (::chmod(dir.c_str(), 0700) != 0) throw file_error("cannot make owner-only:", dir, errno);
  // Files an older kmslab (or a loose umask) left group- or world-accessible are tightened.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    const mode_t limit = entry.path().filename() == public_file ? 0644 : 0600;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || (st.st_mode & 0777 & ~limit) == 0) continue;
    if (::chmod(entry.path().c_str(), st.st_mode & limit) != 0) {
      throw file_error("cannot make owner-only:", entry.path(), errno);
    }
  }
}

std::FILE* open_private_append(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw file_error("cannot open", path, errno);
  if (::fchmod(fd, 0600) != 0) {  // an older, looser file too
    const int err = errno;
    ::close(fd);
    throw file_error("cannot make owner-only:", path, err);
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (!f) {
    const int err = errno;
    ::close(fd);
    throw file_error("cannot open", path, err);
  }
  return f;
}

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
