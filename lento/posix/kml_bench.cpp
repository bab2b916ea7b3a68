// KML throughput on one core: encode, encode+append to a real file with fsync
// off, and scan (walk with checksum and content checks, and with decoding).
// Targets (issue 2): >= 1 M records/s encode+append, >= 2 M records/s scan.
// Run: build/lento/kml_bench  (items_per_second is records/s)
#include <benchmark/benchmark.h>

#include "kml/examples.hpp"
#include "kml/scan.hpp"
#include "posix/kml_file.hpp"
#include "posix/temp_dir.hpp"

namespace izo {
namespace {

const std::vector<kml::Record>& workload() {
  static const auto w = kml::example_workload(4096);
  return w;
}

void BM_Encode(benchmark::State& state) {
  const auto& w = workload();
  std::vector<std::uint8_t> out;
  out.reserve(4096 * 512);
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    if (i == w.size()) {
      i = 0;
      out.clear();
    }
    bytes += *kml::encode(w[i++], out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Encode);

// buffer_bytes = range(0): 0 writes each record with its own pwrite.
void BM_EncodeAppend(benchmark::State& state) {
  posix::TempDir dir("izo-bench");
  posix::KmlFileOptions opt;
  opt.sync.mode = kml::SyncPolicy::Mode::off;
  opt.buffer_bytes = static_cast<std::size_t>(state.range(0));
  auto file = posix::KmlFile::open(dir.path() / "kml", opt);
  if (!file) {
    state.SkipWithError(file.error().message.c_str());
    return;
  }
  const auto& w = workload();
  std::size_t i = 0;
  for (auto _ : state) {
    file->append(w[i]);
    if (++i == w.size()) i = 0;
  }
  file->flush();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(file->size_bytes()));
}
BENCHMARK(BM_EncodeAppend)->Arg(0)->Arg(256 << 10);

struct ScanFixture {
  posix::TempDir dir{"izo-bench"};
  std::optional<posix::MappedFile> map;
  std::size_t records = 1'000'000;
  ScanFixture() {
    posix::KmlFileOptions opt;
    opt.sync.mode = kml::SyncPolicy::Mode::off;
    opt.buffer_bytes = 1 << 20;
    auto file = posix::KmlFile::open(dir.path() / "kml", opt);
    const auto& w = workload();
    for (std::size_t i = 0; i < records; ++i) file->append(w[i % w.size()]);
    file->flush();
    map.emplace(std::move(posix::MappedFile::open(dir.path() / "kml")).value());
  }
};

ScanFixture& scan_fixture() {
  static ScanFixture f;
  return f;
}

void BM_Scan(benchmark::State& state) {
  auto& f = scan_fixture();
  for (auto _ : state) {
    std::uint64_t n = 0;
    auto rep = kml::scan_forward(f.map->bytes(), [&](const kml::Frame&) {
      ++n;
      return true;
    });
    if (rep.tail != kml::Tail::clean || n != f.records) state.SkipWithError("scan failed");
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * static_cast<std::int64_t>(f.records)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * static_cast<std::int64_t>(f.map->bytes().size())));
}
BENCHMARK(BM_Scan)->Unit(benchmark::kMillisecond);

void BM_ScanBackward(benchmark::State& state) {
  auto& f = scan_fixture();
  for (auto _ : state) {
    auto n = kml::scan_backward(f.map->bytes(), f.map->bytes().size());
    if (!n || *n != f.records) state.SkipWithError("backward scan failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * static_cast<std::int64_t>(f.records)));
}
BENCHMARK(BM_ScanBackward)->Unit(benchmark::kMillisecond);

void BM_ScanAndDecode(benchmark::State& state) {
  auto& f = scan_fixture();
  for (auto _ : state) {
    std::size_t paths = 0;
    kml::scan_forward(f.map->bytes(), [&](const kml::Frame& fr) {
      auto r = kml::decode(fr.bytes);
      paths += r->path.size();
      return true;
    });
    benchmark::DoNotOptimize(paths);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * static_cast<std::int64_t>(f.records)));
}
BENCHMARK(BM_ScanAndDecode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace izo

BENCHMARK_MAIN();
