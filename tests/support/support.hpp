// Test support: temp dirs, free loopback ports, child processes, waiting on
// conditions with a deadline (tests never sleep to wait for things).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tgw::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Write a file below the directory; returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int freePort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool portOpen(int port);

// Poll `pred` every 10 ms until it is true or `timeout` passes.
bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string readFile(const std::string& path);

// A child process with stdout+stderr captured to a file.
class Process {
 public:
  Process() = default;
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          const std::string& output_file = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  void signal(int signo);
  // Wait for exit; returns exit code, 128+signal if killed, -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void kill();  // SIGKILL and reap
  [[nodiscard]] std::string output() const;
  [[nodiscard]] const std::string& outputFile() const { return output_file_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string output_file_;
  bool owns_output_ = false;
};

// Run a command to completion; returns exit code, output in `out`.
int run(const std::vector<std::string>& argv, std::string* out = nullptr,
        std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Path of a built binary (TGW_BINARY_DIR is set by CMake for each test).
std::string binaryPath(const std::string& name);
// Path below the source tree (TGW_SOURCE_DIR).
std::string sourcePath(const std::string& relative);
// Path below the build tree (TGW_BUILD_DIR).
std::string buildPath(const std::string& relative);

}  // namespace tgw::test
