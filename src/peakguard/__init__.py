"""peakguard: peak-season service assurance for express delivery (快递业务旺季服务保障)."""

__version__ = "0.1.0"
