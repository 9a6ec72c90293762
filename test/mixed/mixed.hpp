// Facts each translation unit reports about the precast entities it sees, so the test can compare them.
#pragma once

#include <cstddef>

struct precast_view
{
    const void* dot_float;         // address of precast::kernels::dot<float>(const float*, const float*, size_t)
    const void* version;           // address of the inline variable precast::version
    const char* buffer_type_name;  // typeid(tensor_buffer<float, shape<3, 4>>).name()
    float dot_result;              // a dot product computed in that translation unit
};

precast_view view_from_included_headers();
precast_view view_from_imported_module();
