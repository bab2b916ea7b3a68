// kmlgen: write a synthetic KML (every opcode, in turn) through the real
// appender, for demos, benchmarks and tests of the tools that read KMLs.
#include <CLI/CLI.hpp>

#include <iostream>

#include "kml/examples.hpp"
#include "posix/kml_file.hpp"

int main(int argc, char** argv) {
  std::string file;
  std::size_t records = 26;
  std::string sync = "group";
  CLI::App app{"Append a synthetic workload (every KML opcode in turn) to a KML file,\n"
               "creating it if absent.",
               "kmlgen"};
  app.add_option("file", file, "the KML file to write")->required();
  app.add_option("-n,--records", records, "how many records to append")->capture_default_str();
  app.add_option("--sync", sync, "fsync policy: off, always or group")
      ->capture_default_str()
      ->check(CLI::IsMember({"off", "always", "group"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  izo::posix::KmlFileOptions opt;
  opt.sync.mode = *izo::kml::sync_mode_from_name(sync);
  opt.buffer_bytes = 1 << 20;
  izo::posix::KmlOpenReport rep;
  auto kml = izo::posix::KmlFile::open(file, opt, &rep);
  if (!kml) {
    std::cerr << "kmlgen: " << kml.error().message << "\n";
    return 1;
  }
  if (rep.cut_bytes) std::cerr << "kmlgen: cut a torn tail of " << rep.cut_bytes << " bytes\n";
  const auto first = kml->last_recno() + 1;
  try {
    for (auto& r : izo::kml::example_workload(records, first)) kml->append(std::move(r));
    kml->sync();
  } catch (const std::exception& e) {
    std::cerr << "kmlgen: " << e.what() << "\n";
    return 1;
  }
  std::cout << "kmlgen: " << file << ": records " << first << ".." << kml->durable_recno()
            << " appended and synced, " << kml->size_bytes() << " bytes\n";
  return 0;
}
