#include "simulator/live/run_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace wsfo::live {

std::string prepare_run_dir(const std::string& run_dir, const std::vector<std::string>& extra) {
  namespace fs = std::filesystem;
  // Old rules state files would start the gateways on the old version, old
  // events would mix into this run's history.
  std::vector<std::string> subs = {"logs", "state", "events", "inputs"};
  subs.insert(subs.end(), extra.begin(), extra.end());
  for (const auto& sub : subs) {
    std::error_code error;
    fs::remove_all(run_dir + "/" + sub, error);
    if (!error) fs::create_directories(run_dir + "/" + sub, error);
    if (error) return "cannot prepare " + run_dir + "/" + sub + ": " + error.message();
  }
  std::error_code error;
  fs::create_directories(external_events_dir(run_dir), error);
  if (error) return "cannot prepare " + external_events_dir(run_dir) + ": " + error.message();
  return {};
}

std::string external_events_dir(const std::string& run_dir) { return run_dir + "/events/external"; }

std::vector<std::string> external_events_files(const std::string& run_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(external_events_dir(run_dir), error))
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

void collect_history(const std::vector<history::Event>& own, const std::vector<std::string>& events_files,
                     run::RunRecord& record) {
  record.history = own;
  for (const auto& file : events_files) {
    std::ifstream in(file);
    if (!in) {
      record.notes.push_back("no events file " + file);
      continue;
    }
    std::string line, error;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      if (auto event = history::parse_event_line(line, error))
        record.history.push_back(std::move(*event));
      else
        record.notes.push_back(file + ":" + std::to_string(number) + ": " + error);
    }
  }
  std::stable_sort(record.history.begin(), record.history.end(),
                   [](const history::Event& a, const history::Event& b) { return a.t_ns < b.t_ns; });
}

}  // namespace wsfo::live
