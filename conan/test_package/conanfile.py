import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout


class PrecastTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def _with_module(self):
        return bool(self.dependencies["precast"].options.cxx_modules)

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["PRECAST_TEST_MODULE"] = self._with_module()
        if self._with_module():
            toolchain.cache_variables["CMAKE_CXX_SCAN_FOR_MODULES"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package_include"), env="conanrun")
            if self._with_module():
                self.run(os.path.join(self.cpp.build.bindir, "test_package_import"), env="conanrun")
