; electron-builder NSIS include (electron-builder.yml: nsis.include). Headroom installs per user,
; so everything here lives under HKCU.
;
; Start at login: Electron's app.setLoginItemSettings writes a value named after the
; AppUserModelID ("dev.headroom.app", electron-builder.yml appId) under the Run key, and Task
; Manager's Startup toggle writes the StartupApproved\Run value of the same name. Uninstalling
; removes both, so Windows does not try to start a Headroom that is gone at the next login.
!macro customUnInstall
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "dev.headroom.app"
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run" "dev.headroom.app"
!macroend
