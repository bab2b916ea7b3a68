// Result<T>: a value, or an Error that says in words what was wrong and where.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace izo {

struct Error {
  std::string message;   // what is wrong, naming the field or the rule
  std::size_t offset = 0;  // where in the input, when that means something
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(std::string message, std::size_t offset = 0) {
  return Error{std::move(message), offset};
}

}  // namespace izo
