import os
import shutil
import subprocess

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
                self._header_only_consumer_on_old_cmake()

    def _header_only_consumer_on_old_cmake(self):
        # A module package must still serve #include on a CMake that cannot read modules (Debian 12's 3.25).
        cmake = "/usr/bin/cmake"
        gxx = shutil.which("g++-12")
        if not os.path.exists(cmake) or gxx is None:
            self.output.info("no /usr/bin/cmake or g++-12: the header-only consumer on the system CMake is skipped")
            return
        version = subprocess.run([cmake, "--version"], capture_output=True, text=True).stdout.split()[2]
        build = os.path.join(self.build_folder, "header_only_consumer")
        package = self.dependencies["precast"].package_folder
        self.run(f'"{cmake}" -S "{os.path.join(self.source_folder, "header_only")}" -B "{build}" -G Ninja -DCMAKE_BUILD_TYPE=Release '
                 f'-DCMAKE_CXX_COMPILER="{gxx}" -DCMAKE_PREFIX_PATH="{package}"')
        self.run(f'"{cmake}" --build "{build}"')
        self.run(os.path.join(build, "header_only_consumer"))
        self.output.info(f"header-only consumer built with CMake {version} and g++-12 against the module package")
