#include "config/config.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <climits>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "wire/codec.hpp"

namespace izo::lento {
namespace {

namespace fs = std::filesystem;

// A problem in the file called `file` at `line`.
struct Where {
  const std::string& file;
  Error at(long line, const std::string& what) const {
    return Error{file + ":" + std::to_string(line) + ": " + what, 0};
  }
  Error at(const xmlNode* n, const std::string& what) const { return at(xmlGetLineNo(n), what); }
};

std::string text(const xmlChar* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

// The first error the parser reports (later ones follow from it).
struct FirstError {
  bool set = false;
  int line = 0;
  std::string message;
};

void keep_first(void* ctx, xmlErrorPtr e) {
  auto* first = static_cast<FirstError*>(ctx);
  if (first->set || !e || e->level < XML_ERR_ERROR) return;
  first->set = true;
  first->line = e->line;
  first->message = e->message ? e->message : "not well-formed XML";
  while (!first->message.empty() && (first->message.back() == '\n' || first->message.back() == ' '))
    first->message.pop_back();
}

// Parses `xml` (the text of the file called `file`) with no network access
// and no entity expansion.
Result<Doc> parse(std::string_view xml, const std::string& file) {
  if (xml.size() > static_cast<std::size_t>(INT_MAX)) return Error{file + ": too large to be a configuration file", 0};
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return Error{"out of memory parsing " + file, 0};
  FirstError first;
  xmlSetStructuredErrorFunc(&first, keep_first);  // per thread in libxml2
  Doc doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), file.c_str(), nullptr,
                            XML_PARSE_NONET));
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  if (doc && !first.set) return doc;
  return Where{file}.at(first.line, first.set ? first.message : "not well-formed XML");
}

// The whole text of `file`.
Result<std::string> slurp(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return Error{file.string() + ": no such file", 0};
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || !in.is_open()) return Error{file.string() + ": cannot be read", 0};
  return text;
}

std::vector<const xmlNode*> elements(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

std::string name_of(const xmlNode* n) { return text(n->name); }

// Attributes of `n`, refusing any not in `allowed` and any required one missing.
Result<std::map<std::string, std::string>> attributes(const Where& w, const xmlNode* n,
                                                      const std::set<std::string>& allowed,
                                                      const std::set<std::string>& required) {
  std::map<std::string, std::string> out;
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    const std::string key = text(a->name);
    if (!allowed.contains(key)) return w.at(n, "<" + name_of(n) + "> has no attribute '" + key + "'");
    xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
    out[key] = text(v);
    xmlFree(v);
  }
  for (const auto& key : required)
    if (!out.contains(key)) return w.at(n, "<" + name_of(n) + "> needs the attribute '" + key + "'");
  return out;
}

// Text that is not whitespace, directly inside `n`.
bool has_stray_text(const xmlNode* n) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) continue;
    for (const char ch : text(c->content))
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') return true;
  }
  return false;
}

std::optional<Error> check_name(const Where& w, const xmlNode* n, const std::string& what, const std::string& v) {
  if (auto why = wire::name_problem(v)) return w.at(n, what + " '" + v + "': " + std::string(*why));
  return std::nullopt;
}

Result<const xmlNode*> root_named(const Where& w, const xmlDoc* doc, const std::string& want) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (!root) return w.at(1, "empty document, expected <" + want + ">");
  if (name_of(root) != want) return w.at(root, "the root element is <" + name_of(root) + ">, expected <" + want + ">");
  return root;
}

std::optional<Error> no_children(const Where& w, const xmlNode* n) {
  if (auto kids = elements(n); !kids.empty())
    return w.at(kids.front(), "<" + name_of(n) + "> has no child <" + name_of(kids.front()) + ">");
  if (has_stray_text(n)) return w.at(n, "<" + name_of(n) + "> holds text, which means nothing there");
  return std::nullopt;
}

std::optional<Error> absolute(const Where& w, const xmlNode* n, const std::string& what, const std::string& v) {
  if (v.empty() || v.front() != '/') return w.at(n, what + " '" + v + "' is not an absolute path");
  return std::nullopt;
}

}  // namespace

Result<SysId> load_sysid(const fs::path& file) {
  auto xml = slurp(file);
  if (!xml) return xml.error();
  return parse_sysid(*xml, file.string());
}

Result<SysId> parse_sysid(std::string_view xml, const std::string& file) {
  const Where w{file};
  auto doc = parse(xml, file);
  if (!doc) return doc.error();
  auto root = root_named(w, doc->get(), "sysid");
  if (!root) return root.error();
  auto attrs = attributes(w, *root, {"name", "psdev", "bindaddr"}, {"name"});
  if (!attrs) return attrs.error();
  SysId id;
  id.name = (*attrs)["name"];
  id.psdev = (*attrs)["psdev"];
  id.bindaddr = (*attrs)["bindaddr"];
  if (auto bad = check_name(w, *root, "sysid name", id.name)) return *bad;
  if (has_stray_text(*root)) return w.at(*root, "<sysid> holds text, which means nothing there");
  std::set<std::string> seen;
  for (const xmlNode* c : elements(*root)) {
    if (name_of(c) != "cache") return w.at(c, "<sysid> has no child <" + name_of(c) + "> (only <cache>)");
    auto a = attributes(w, c, {"fileset", "holding", "mtpt"}, {"fileset", "holding", "mtpt"});
    if (!a) return a.error();
    Cache cache{(*a)["fileset"], (*a)["holding"], (*a)["mtpt"]};
    if (auto bad = check_name(w, c, "fileset name", cache.fileset)) return *bad;
    if (auto bad = absolute(w, c, "holding", cache.holding.string())) return *bad;
    if (auto bad = absolute(w, c, "mtpt", cache.mtpt.string())) return *bad;
    if (auto bad = no_children(w, c)) return *bad;
    if (!seen.insert(cache.fileset).second) return w.at(c, "fileset '" + cache.fileset + "' has a second <cache>");
    id.caches.push_back(std::move(cache));
  }
  return id;
}

Result<std::vector<Server>> load_serverdb(const fs::path& file) {
  auto xml = slurp(file);
  if (!xml) return xml.error();
  return parse_serverdb(*xml, file.string());
}

Result<std::vector<Server>> parse_serverdb(std::string_view xml, const std::string& file) {
  const Where w{file};
  auto doc = parse(xml, file);
  if (!doc) return doc.error();
  auto root = root_named(w, doc->get(), "serverdb");
  if (!root) return root.error();
  if (auto bad = attributes(w, *root, {}, {}); !bad) return bad.error();
  if (has_stray_text(*root)) return w.at(*root, "<serverdb> holds text, which means nothing there");
  std::vector<Server> out;
  std::set<std::string> seen;
  for (const xmlNode* c : elements(*root)) {
    if (name_of(c) != "server") return w.at(c, "<serverdb> has no child <" + name_of(c) + "> (only <server>)");
    auto a = attributes(w, c, {"name", "ipaddr", "port", "bindaddr"}, {"name", "ipaddr"});
    if (!a) return a.error();
    Server s{(*a)["name"], (*a)["ipaddr"], kDefaultPort, (*a)["bindaddr"]};
    if (auto bad = check_name(w, c, "server name", s.name)) return *bad;
    if (s.ipaddr.empty()) return w.at(c, "server '" + s.name + "' has an empty ipaddr");
    if (a->contains("port")) {
      const auto& p = (*a)["port"];
      unsigned v = 0;
      const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
      if (ec != std::errc{} || end != p.data() + p.size() || v == 0 || v > 65535)
        return w.at(c, "port '" + p + "' of server '" + s.name + "' is not a number in 1..65535");
      s.port = static_cast<std::uint16_t>(v);
    }
    if (auto bad = no_children(w, c)) return *bad;
    if (!seen.insert(s.name).second) return w.at(c, "server '" + s.name + "' is described twice");
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<FilesetDef>> load_fsetdb(const fs::path& file) {
  auto xml = slurp(file);
  if (!xml) return xml.error();
  return parse_fsetdb(*xml, file.string());
}

Result<std::vector<FilesetDef>> parse_fsetdb(std::string_view xml, const std::string& file) {
  const Where w{file};
  auto doc = parse(xml, file);
  if (!doc) return doc.error();
  auto root = root_named(w, doc->get(), "fsetdb");
  if (!root) return root.error();
  if (auto bad = attributes(w, *root, {}, {}); !bad) return bad.error();
  if (has_stray_text(*root)) return w.at(*root, "<fsetdb> holds text, which means nothing there");
  std::vector<FilesetDef> out;
  std::set<std::string> seen;
  for (const xmlNode* c : elements(*root)) {
    if (name_of(c) != "fileset") return w.at(c, "<fsetdb> has no child <" + name_of(c) + "> (only <fileset>)");
    auto a = attributes(w, c, {"name", "servername", "policy"}, {"name", "servername"});
    if (!a) return a.error();
    FilesetDef f;
    f.name = (*a)["name"];
    f.servername = (*a)["servername"];
    if (auto bad = check_name(w, c, "fileset name", f.name)) return *bad;
    if (auto bad = check_name(w, c, "servername", f.servername)) return *bad;
    if (a->contains("policy")) {
      auto p = replica::policy_from_name((*a)["policy"]);
      if (!p) return w.at(c, "policy '" + (*a)["policy"] + "' is none of server-wins, client-wins, manual");
      f.policy = *p;
    }
    if (has_stray_text(c)) return w.at(c, "<fileset> holds text outside <replicator>");
    std::set<std::string> replicators;
    for (const xmlNode* r : elements(c)) {
      if (name_of(r) != "replicator")
        return w.at(r, "<fileset> has no child <" + name_of(r) + "> (only <replicator>)");
      if (auto bad = attributes(w, r, {}, {}); !bad) return bad.error();
      xmlChar* v = xmlNodeGetContent(r);
      std::string name = text(v);
      xmlFree(v);
      if (!elements(r).empty()) return w.at(r, "<replicator> holds a host name, not elements");
      // Surrounding whitespace is layout, not part of the name.
      const auto first = name.find_first_not_of(" \t\r\n");
      name = first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(" \t\r\n") - first + 1);
      if (auto bad = check_name(w, r, "replicator", name)) return *bad;
      if (name == f.servername) return w.at(r, "'" + name + "' is the fileset's server and cannot also replicate it");
      if (!replicators.insert(name).second) return w.at(r, "replicator '" + name + "' is listed twice");
      f.replicators.push_back(std::move(name));
    }
    if (!seen.insert(f.name).second) return w.at(c, "fileset '" + f.name + "' is described twice");
    out.push_back(std::move(f));
  }
  return out;
}

const Server* Configuration::server(std::string_view name) const {
  for (const auto& s : servers)
    if (s.name == name) return &s;
  return nullptr;
}

const FilesetDef* Configuration::fileset(std::string_view name) const {
  for (const auto& f : filesets)
    if (f.name == name) return &f;
  return nullptr;
}

Result<Configuration> load_configuration(const ConfigPaths& paths) {
  const fs::path idfile = paths.idfile.empty()        ? paths.configdir / "sysid"
                          : paths.idfile.is_absolute() ? paths.idfile
                                                       : paths.configdir / paths.idfile;
  Configuration c;
  auto self = load_sysid(idfile);
  if (!self) return self.error();
  c.self = std::move(*self);
  auto servers = load_serverdb(paths.configdir / "serverdb");
  if (!servers) return servers.error();
  c.servers = std::move(*servers);
  auto filesets = load_fsetdb(paths.configdir / "fsetdb");
  if (!filesets) return filesets.error();
  c.filesets = std::move(*filesets);

  if (auto bad = check_references(c, idfile.string(), (paths.configdir / "fsetdb").string())) return *bad;
  return c;
}

std::optional<Error> check_references(const Configuration& c, const std::string& idfile, const std::string& fsetdb) {
  for (const auto& f : c.filesets)
    if (!c.server(f.servername))
      return Error{fsetdb + ": fileset '" + f.name + "' is served by '" + f.servername +
                       "', which serverdb does not describe",
                   0};
  for (const auto& cache : c.self.caches) {
    const auto* f = c.fileset(cache.fileset);
    if (!f) return Error{idfile + ": <cache> of fileset '" + cache.fileset + "', which fsetdb does not describe", 0};
    const bool serves = f->servername == c.self.name;
    bool replicates = false;
    for (const auto& r : f->replicators) replicates = replicates || r == c.self.name;
    if (!serves && !replicates)
      return Error{idfile + ": '" + c.self.name + "' keeps fileset '" + cache.fileset +
                       "' but fsetdb names it neither its server nor a replicator",
                   0};
  }
  return std::nullopt;
}

}  // namespace izo::lento
