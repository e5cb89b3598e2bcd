#include "app/changed_files.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace sp::app {
namespace {

struct GitOutput {
  int exit_status = 0;
  std::string out;
  std::string err;
};

// Closes the descriptors of a pipe that are still open.
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  void close_end(int end) {
    ::close(fds[end]);
    fds[end] = -1;
  }
};

// Reads both pipes until git closes them, so that neither can fill up and
// block git while the other is read.
void read_both(Pipe& out, Pipe& err, GitOutput& output) {
  pollfd fds[2] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
  std::string* targets[2] = {&output.out, &output.err};
  int open_count = 2;
  char buffer[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw ChangedFilesError(std::string("reading git's output failed: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t count = ::read(fds[i].fd, buffer, sizeof buffer);
      if (count > 0) {
        targets[i]->append(buffer, static_cast<size_t>(count));
      } else if (count == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

// Runs git with `arguments` (argv, no shell) and collects its output.
GitOutput run_git(const std::vector<std::string>& arguments) {
  Pipe out, err;
  if (::pipe(out.fds) != 0 || ::pipe(err.fds) != 0)
    throw ChangedFilesError(std::string("creating a pipe for git failed: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out.fds[0]);
  posix_spawn_file_actions_addclose(&actions, err.fds[0]);

  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = ::posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT)
    throw ChangedFilesError("git is not installed or not on PATH; install git, or run without "
                            "--changed-since to check every edge");
  if (spawned != 0)
    throw ChangedFilesError(std::string("starting git failed: ") + std::strerror(spawned));
  out.close_end(1);
  err.close_end(1);

  GitOutput output;
  read_both(out, err, output);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  output.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

// "./a/b.yml" and "a//b.yml" as git prints them: "a/b.yml".
std::string normal_path(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().generic_string();
}

}  // namespace

std::vector<std::string> list_changed_files(const std::string& root, const std::string& ref) {
  if (ref.empty())
    throw ChangedFilesError("--changed-since needs a git revision, such as origin/main");
  // A revision that starts with '-' would reach git as an option.
  if (ref.front() == '-')
    throw ChangedFilesError("invalid --changed-since '" + ref +
                            "': a git revision cannot start with '-'");
  // REF...HEAD diffs against the merge base, so that commits added to the
  // base branch after the pull request branched off are not counted.
  GitOutput output = run_git({"git", "-C", root, "diff", "--name-only", "--no-renames",
                              "--relative", "-z", "--end-of-options", ref + "...HEAD"});
  if (output.exit_status != 0)
    throw ChangedFilesError(
        "git diff " + ref + "...HEAD failed (exit status " + std::to_string(output.exit_status) +
        "): " + first_line(output.err) +
        "; check that the revision exists in this clone (actions/checkout needs fetch-depth: 0 "
        "or a fetch of the base branch)");
  std::vector<std::string> files;
  size_t start = 0;
  while (start < output.out.size()) {
    size_t end = output.out.find('\0', start);
    if (end == std::string::npos) end = output.out.size();
    if (end > start) files.push_back(output.out.substr(start, end - start));
    start = end + 1;
  }
  return files;
}

bool depends_on_changed_file(const PermissionEdge& edge, const std::set<std::string>& changed) {
  if (changed.count(edge.reference.location.file)) return true;
  for (const ChainStep& step : edge.identity.chain)
    if (!step.location.file.empty() && changed.count(step.location.file)) return true;
  return false;
}

ChangedSelection select_changed_edges(const std::vector<PermissionEdge>& edges,
                                      const std::vector<std::string>& changed,
                                      const std::string& config_path) {
  std::set<std::string> changed_set;
  for (const std::string& file : changed) changed_set.insert(normal_path(file));
  ChangedSelection selection;
  selection.config_changed = changed_set.count(normal_path(config_path)) > 0;
  for (const PermissionEdge& edge : edges) {
    // Unresolved edges cost no provider call, and a deleted file (a
    // ServiceAccount, a store) leaves no trace in the chain of the edge it
    // broke, so they are always kept.
    if (selection.config_changed || !edge.unresolved_reason.empty() ||
        depends_on_changed_file(edge, changed_set))
      selection.edges.push_back(edge);
    else
      ++selection.skipped_edges;
  }
  return selection;
}

}  // namespace sp::app
