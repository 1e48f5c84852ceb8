# `cmake --install` and the .deb (CPack): the wsfo binary in bin/, its data in
# share/wsfo/ (the scenarios with both schemas, docs/report.schema.json), the
# docs in share/doc/wsfo/. The installed binary finds share/wsfo relative to
# itself (cli/self_path.cpp, data_dir()); README.md, "Install".
install(TARGETS wsfo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios DESTINATION ${CMAKE_INSTALL_DATADIR}/wsfo
        PATTERN "*.py" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/report.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/wsfo)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wsfo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "wsfo maintainers <wsfo@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Simulation and test harness for active-active WebSocket failover (gateway, clients, VRRP, SimGrid model)")
set(CPACK_PACKAGE_INSTALL_DIRECTORY wsfo)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # wsfo_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The runtime libraries' packages (libsimgrid3.32, libstdc++6, libc6, ...)
# from the binary's NEEDED entries, by dpkg-shlibdeps (Debian's dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What wsfo starts at run time rather than links: `wsfo run --stack
# nginx-keepalived`, `wsfo crosscheck` and the benchmarks' peers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light, keepalived, nftables, iproute2")
include(CPack)
