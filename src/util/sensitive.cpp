#include "util/sensitive.h"

namespace sp {

void wipe(char* data, size_t size) {
  volatile char* bytes = data;
  for (size_t i = 0; i < size; ++i) bytes[i] = 0;
}

void wipe(std::string& text) {
  // resize() within the capacity keeps the buffer, so the whole allocation
  // is overwritten, not only the current contents.
  text.resize(text.capacity());
  wipe(text.data(), text.size());
  text.clear();
}

}  // namespace sp
