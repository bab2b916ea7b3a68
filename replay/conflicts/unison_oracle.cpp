#include "conflicts/unison_oracle.hpp"

namespace izo::replay::conflicts {
namespace {

const Entry* at(const Tree& t, const std::string& path) {
  const auto it = t.find(path);
  return it == t.end() ? nullptr : &it->second;
}

bool is_dir(const Entry* e) { return e && e->type == replica::ObjType::dir; }

std::string sides(const Tree& common, const Tree& server, const Tree& client, const std::string& path) {
  return "was " + describe(common, path) + "; server made it " + describe(server, path) + ", client " +
         describe(client, path);
}

struct Reconciler {
  const Tree& common;
  const Tree& server;
  const Tree& client;
  std::vector<OracleConflict> found;

  void visit(const std::string& path) {
    const bool on_server = !same_subtree(common, server, path);
    const bool on_client = !same_subtree(common, client, path);
    if (!on_server || !on_client) return;  // one side's change propagates
    const Entry* s = at(server, path);
    const Entry* c = at(client, path);
    if (is_dir(s) && is_dir(c)) {
      const Entry* o = at(common, path);
      const bool perms_both = s->permissions != c->permissions &&
                              (!o || (s->permissions != o->permissions && c->permissions != o->permissions));
      if (perms_both) found.push_back({path, "directory permissions changed on both sides: " +
                                                 sides(common, server, client, path)});
      for (const auto& child : children(server, client, path)) visit(child);
      return;
    }
    if (same_subtree(server, client, path)) return;  // the same change on both sides
    found.push_back({path, "changed on both sides: " + sides(common, server, client, path)});
  }
};

}  // namespace

std::vector<OracleConflict> unison_conflicts(const Tree& common, const Tree& server, const Tree& client) {
  Reconciler r{common, server, client, {}};
  r.visit("");
  return std::move(r.found);
}

std::string oracle_view(const Tree& common, const Tree& server, const Tree& client, const std::string& path) {
  const bool on_server = !same_subtree(common, server, path);
  const bool on_client = !same_subtree(common, client, path);
  if (!on_server && !on_client) return "unchanged on both sides";
  if (!on_client) return "changed on the server only (" + sides(common, server, client, path) + ")";
  if (!on_server) return "changed on the client only (" + sides(common, server, client, path) + ")";
  if (same_subtree(server, client, path))
    return "changed the same way on both sides (" + describe(server, path) + ")";
  return "a directory both sides keep, whose entries are compared one by one";
}

}  // namespace izo::replay::conflicts
