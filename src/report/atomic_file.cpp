#include "report/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace sp::report {
namespace {

std::string error_text(int error_number) { return std::strerror(error_number); }

std::string temporary_path_for(const std::string& path) {
  std::random_device device;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".tmp-%d-%08x", static_cast<int>(getpid()), device());
  return path + suffix;
}

// Writes all of `content` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
  std::string temporary = temporary_path_for(path);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw ReportError("failed to create \"" + temporary + "\": " + error_text(errno) +
                      "; check that the folder of \"" + path + "\" exists and is writable");

  bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  int saved_errno = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    saved_errno = errno;
  }
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    std::remove(temporary.c_str());
    throw ReportError("failed to write \"" + path + "\": " + error_text(saved_errno));
  }
}

}  // namespace sp::report
