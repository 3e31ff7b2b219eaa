"""What is seen: detection with Ultralytics YOLO and per-camera tracking."""
