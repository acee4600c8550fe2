#pragma once
// The checks every part of a scenario file shares: each failure names the file and the line and
// column of the node that is wrong, worded "expected ...".
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kmslab::scenario {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& expected) const;
  std::string where(const YAML::Node& at) const;

  void need_map(const YAML::Node& n, const std::string& what) const;
  void need_seq(const YAML::Node& n, const std::string& what) const;
  /// Every key is one of `allowed` (else: "expected one of a, b; got unknown key 'x'").
  void only_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                 const std::string& what) const;
  /// A scalar's text (quoted or plain, never a map or list).
  std::string text(const YAML::Node& n, const std::string& what) const;
  int integer(const YAML::Node& n, const std::string& what) const;
  bool boolean(const YAML::Node& n, const std::string& what) const;
  /// A Go-style duration, kept as text (checked unless it holds a ${VAR}).
  std::string duration(const YAML::Node& n, const std::string& what) const;
  /// An RFC 3339 time, kept as text (checked unless it holds a ${VAR}).
  std::string time(const YAML::Node& n, const std::string& what) const;
  std::vector<std::string> texts(const YAML::Node& n, const std::string& what) const;
  /// {name: scalar} -> JSON object of strings.
  nlohmann::json text_map(const YAML::Node& n, const std::string& what) const;
  /// Any YAML as JSON: plain scalars typed by YAML 1.2's core schema (null, booleans,
  /// numbers), quoted ones strings; duplicate keys are refused; at most a bounded size.
  nlohmann::json any(const YAML::Node& n) const;

 private:
  nlohmann::json any(const YAML::Node& n, int depth, size_t& budget) const;
  std::string file_;
};

/// A plain YAML scalar as YAML 1.2's core schema types it (null, bool, int, float, else string).
nlohmann::json typed_plain_scalar(const std::string& s);

bool has_variable(const std::string& s);

/// Leads a plain (unquoted) scalar holding ${...} in YAML turned into JSON: after substitution it
/// is typed as YAML would type the result (`${RBAC}` -> true). A control character YAML plain
/// scalars cannot hold, so it never collides with text.
constexpr char kPlainMark = '\x1f';

}  // namespace kmslab::scenario
