#include "scenarios/runner/catalogue.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "scenarios/runner/parser.hpp"

namespace kmslab::scenario {

namespace fs = std::filesystem;

namespace {

fs::path scenarios_root_of(const fs::path& file) {
  for (fs::path dir = fs::absolute(file).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "fragments")) return dir;
    if (dir == dir.root_path()) break;
  }
  return fs::absolute(file).parent_path();
}

std::vector<std::pair<fs::path, bool>> files_of(const std::vector<fs::path>& paths,
                                                std::vector<std::string>& errors) {
  std::vector<std::pair<fs::path, bool>> out;
  for (const auto& p : paths) {
    if (fs::is_regular_file(p)) {
      out.emplace_back(p, true);
    } else if (fs::is_directory(p)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".yaml") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      for (auto& f : found) out.emplace_back(f, false);
    } else {
      errors.push_back(p.string() + ": no such file or folder");
    }
  }
  return out;
}

}  // namespace

Loaded load_scenarios(const std::vector<fs::path>& paths) {
  Loaded out;
  std::map<fs::path, std::unique_ptr<FileLoader>> loaders;
  std::map<std::string, std::string> names;
  for (const auto& [file, named] : files_of(paths, out.errors)) {
    const fs::path root = scenarios_root_of(file);
    auto& loader = loaders[root];
    if (!loader) loader = std::make_unique<FileLoader>(root);
    try {
      Scenario s = loader->scenario(file);
      if (auto [it, fresh] = names.emplace(s.name, s.file); !fresh) {
        out.errors.push_back(s.file + ":1:1: expected a unique name; '" + s.name +
                             "' is also the name of " + it->second);
        continue;
      }
      out.scenarios.push_back(std::move(s));
      out.named.push_back(named);
    } catch (const ParseError& e) {
      out.errors.push_back(e.what());
    } catch (const std::exception& e) {
      out.errors.push_back(file.string() + ": " + e.what());
    }
  }
  return out;
}

bool selected(const Scenario& s, const std::vector<std::string>& filters, bool named) {
  const bool is_long = std::count(s.tags.begin(), s.tags.end(), "long") > 0;
  if (filters.empty()) return named || !is_long;
  for (const auto& f : filters) {
    if (f.rfind("tag:", 0) == 0) {
      if (std::count(s.tags.begin(), s.tags.end(), f.substr(4))) return true;
    } else if (f.rfind("seed:", 0) == 0) {
      if (std::count(s.covers.begin(), s.covers.end(), f.substr(5))) return true;
    } else if (fnmatch(f.c_str(), s.name.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> seed_ids_of(const std::string& readme_text) {
  static const std::regex kLine("^- ([A-Z][0-9]+) ");
  std::vector<std::string> out;
  std::istringstream in(readme_text);
  for (std::string line; std::getline(in, line);)
    if (std::smatch m; std::regex_search(line, m, kLine)) out.push_back(m[1].str());
  return out;
}

}  // namespace kmslab::scenario
