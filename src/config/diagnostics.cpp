#include "tgw/config/diagnostics.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tgw::config {

std::string Diagnostic::format() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}:{}", line, column);
  out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

void Diagnostics::error(int line, int column, std::string path, std::string message) {
  items_.push_back({Diagnostic::Severity::kError, file_, line, column, std::move(path), std::move(message)});
}

void Diagnostics::warning(int line, int column, std::string path, std::string message) {
  items_.push_back({Diagnostic::Severity::kWarning, file_, line, column, std::move(path), std::move(message)});
}

bool Diagnostics::hasErrors() const { return errorCount() > 0; }

std::size_t Diagnostics::errorCount() const {
  return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  }));
}

std::string Diagnostics::format() const {
  std::vector<const Diagnostic*> sorted;
  sorted.reserve(items_.size());
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return a->line < b->line || (a->line == b->line && a->column < b->column);
  });
  std::string out;
  for (const auto* d : sorted) {
    out += d->format();
    out += '\n';
  }
  return out;
}

}  // namespace tgw::config
