// Config errors and warnings, each with file, line, column and key path:
//   gateway.yaml:14:5: uplink.tls.ca_file: file not found: /etc/x.pem
#pragma once

#include <string>
#include <vector>

namespace tgw::config {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;    // 1-based; 0 = no position (whole file)
  int column = 0;  // 1-based
  std::string path;  // key path, e.g. "uplink.tls.ca_file"
  std::string message;

  [[nodiscard]] std::string format() const;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file = {}) : file_(std::move(file)) {}
  void error(int line, int column, std::string path, std::string message);
  void warning(int line, int column, std::string path, std::string message);
  [[nodiscard]] bool hasErrors() const;
  [[nodiscard]] const std::vector<Diagnostic>& all() const { return items_; }
  [[nodiscard]] std::size_t errorCount() const;
  [[nodiscard]] const std::string& file() const { return file_; }
  // All diagnostics, one per line, errors and warnings in file order.
  [[nodiscard]] std::string format() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace tgw::config
