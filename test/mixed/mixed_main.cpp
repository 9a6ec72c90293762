// A program whose files both #include precast and import it must see one set of entities: one address per
// function and variable, one type identity. Module-attached copies would have other mangled names and differ.
#include <cstring>

#include <gtest/gtest.h>

#include "mixed.hpp"

TEST(include_and_import_in_one_program, name_the_same_entities)
{
    const precast_view included = view_from_included_headers();
    const precast_view imported = view_from_imported_module();
    EXPECT_EQ(included.dot_float, imported.dot_float);
    EXPECT_EQ(included.version, imported.version);
    EXPECT_STREQ(included.buffer_type_name, imported.buffer_type_name);
    EXPECT_EQ(included.dot_result, 55.0f);
    EXPECT_EQ(imported.dot_result, 55.0f);
}
