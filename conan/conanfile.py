import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.scm import Version

required_conan_version = ">=2.0.5"


class PrecastConan(ConanFile):
    name = "precast"
    description = ("Neural networks whose whole architecture is a type: concept-checked layers with static shapes, "
                   "xsimd kernels over xtensor storage, gradients checked against finite differences")
    topics = ("neural-networks", "deep-learning", "backpropagation", "simd", "header-only", "cpp20-modules")
    settings = "os", "arch", "compiler", "build_type"
    options = {
        # Ship the C++20 module `precast` as well (consumers rebuild its BMI from the shipped .cppm).
        "cxx_modules": [True, False],
        # SIMD target applied to precast and every file that uses it (see README, "SIMD target"). "default" adds
        # no flag: the consumer's profile (its cxxflags) decides, as for a CMake-installed precast.
        "simd_arch": ["default", "x86-64-v3", "x86-64-v4", "x86-64-v2", "x86-64", "native"],
    }
    default_options = {"cxx_modules": False, "simd_arch": "default"}

    def set_version(self):
        # config.hpp is the one place the version is written.
        config = load(self, os.path.join(self.recipe_folder, "..", "src", "precast", "config.hpp"))
        parts = [re.search(rf"#define PRECAST_VERSION_{part} (\d+)", config).group(1) for part in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..")
        copy(self, "CMakeLists.txt", root, self.export_sources_folder)
        for folder in ("src", "modules", "cmake", "python"):
            copy(self, "*", os.path.join(root, folder), os.path.join(self.export_sources_folder, folder))

    def configure(self):
        self.package_type = "static-library" if self.options.cxx_modules else "header-library"

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires("xtensor/0.24.3", transitive_headers=True)
        self.requires("xsimd/8.1.0", transitive_headers=True)

    def package_id(self):
        if not self.info.options.cxx_modules:
            self.info.clear()  # headers only: one package serves every configuration

    def validate(self):
        check_min_cppstd(self, 20)
        compiler = str(self.settings.compiler)
        version = Version(self.settings.compiler.version)
        if compiler == "gcc" and version < "12":
            raise ConanInvalidConfiguration(f"precast needs g++ >= 12 for C++20 concepts; this profile has gcc {version}")
        if compiler == "clang" and version < "14":
            raise ConanInvalidConfiguration(f"precast needs clang >= 14; this profile has clang {version}")
        if self.options.cxx_modules:
            can_scan = (compiler == "clang" and version >= "16") or (compiler == "gcc" and version >= "14")
            if not can_scan:
                raise ConanInvalidConfiguration(
                    f"precast/*:cxx_modules=True needs clang >= 16 or gcc >= 14 (module dependency scanning); this profile "
                    f"has {compiler} {version}. Use a clang-19 profile, or cxx_modules=False for the headers alone.")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["PRECAST_BUILD_MODULE"] = "ON" if self.options.cxx_modules else "OFF"
        toolchain.cache_variables["PRECAST_ARCH"] = str(self.options.simd_arch)
        # What the installed config applies to consumers that do not choose (module packages use that config).
        toolchain.cache_variables["PRECAST_PACKAGE_ARCH"] = "" if self.options.simd_arch == "default" else str(self.options.simd_arch)
        toolchain.cache_variables["PRECAST_BUILD_TESTS"] = False
        toolchain.cache_variables["PRECAST_BUILD_BENCH"] = False
        toolchain.cache_variables["PRECAST_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["PRECAST_OPENMP"] = False  # threads stay opt-in for packaged builds
        # MPI is not a requirement of the package: precast/mpi.hpp ships with the headers; a consumer that uses it
        # links its own MPI (find_package(MPI), MPI::MPI_CXX).
        toolchain.cache_variables["PRECAST_MPI"] = False
        if self.options.cxx_modules:
            # Only then: scanning with a compiler that cannot (g++-12) breaks xtensor's own try_compile.
            toolchain.cache_variables["CMAKE_CXX_SCAN_FOR_MODULES"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()  # also proves that find_package(xtensor/xsimd) and the toolchain checks pass
        if self.options.cxx_modules:
            cmake.build()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        if not self.options.cxx_modules:
            # Header mode: CMakeDeps writes the consumer's config; precast's own would compete with it.
            rmdir(self, os.path.join(self.package_folder, "lib"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "precast")
        self.cpp_info.set_property("cmake_target_name", "precast::precast")
        if self.options.cxx_modules:
            # CMakeDeps knows nothing of C++ modules: consumers use precast's own exported config, which
            # describes precast::module and how to rebuild its BMI, and applies simd_arch itself.
            self.cpp_info.set_property("cmake_find_mode", "none")
            self.cpp_info.builddirs = ["."]
            self.cpp_info.libs = ["precast_module"]
        else:
            self.cpp_info.bindirs = []
            self.cpp_info.libdirs = []
            if self.options.simd_arch != "default":
                self.cpp_info.cxxflags = [f"-march={self.options.simd_arch}"]
            # g++ 12's SLP vectorizer miscompiles constant structs of doubles under AVX-512 (see CMakeLists.txt).
            if self.settings.compiler == "gcc" and Version(str(self.settings.compiler.version)) < "13":
                self.cpp_info.cxxflags.append("-fno-tree-slp-vectorize")
