python3 <<'EOF'
import shutil
shutil.rmtree('/')
EOF
